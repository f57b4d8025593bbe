<?cs # One entry of the address book: its fields, and deleting it. ?>
<?cs include:"macros.cs" ?>
<?cs include:"addressbook-macros.cs" ?>
<?cs set:Page.Title = Lang.addressbook.edit_title ?>
<?cs set:Page.Nav = "addressbook" ?>
<?cs include:"header.cs" ?>
<section class="home manage-folders" id="contact-page" data-id="<?cs var:Contact.Id ?>">
<?cs call:domain_bar() ?>
  <p class="back"><a href="<?cs var:Page.Base ?>/addressbook?d=<?cs var:Domain.Enc ?>"><?cs var:Lang.addressbook.back ?></a></p>
  <h1><?cs var:Lang.addressbook.edit_title ?></h1>
<?cs call:ab_error("edit") ?>
  <form method="post" action="<?cs var:Page.Base ?>/addressbook/edit" class="create" id="contact-edit">
    <?cs call:post_fields() ?>
    <input type="hidden" name="id" value="<?cs var:Contact.Id ?>">
<?cs call:ab_fields() ?>
    <button type="submit"><?cs var:Lang.addressbook.save ?></button>
  </form>
  <p class="hint"><?cs var:Lang.addressbook.emails_note ?></p>
  <form method="post" action="<?cs var:Page.Base ?>/addressbook/delete" class="create" id="contact-delete">
    <?cs call:post_fields() ?>
    <input type="hidden" name="id" value="<?cs var:Contact.Id ?>">
    <button type="submit" class="danger"><?cs var:Lang.addressbook.delete ?></button>
  </form>
</section>
<?cs include:"footer.cs" ?>
